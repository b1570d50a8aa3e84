"""DBOS's own workload for `benches/dbos/run.sh`: WORKFLOWS durable workflows of STEPS sequential steps
each (every step checkpointed by DBOS), all started at once; prints the steps per second.

Usage: python chain.py DATABASE_URL WORKFLOWS STEPS
"""

import sys
import time

from dbos import DBOS, DBOSConfig


def main() -> None:
    url, workflows, steps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    config: DBOSConfig = {
        "name": "rwf_dbos_bench",
        "system_database_url": url,
        "log_level": "WARNING",
    }
    DBOS(config=config)

    @DBOS.step()
    def step(i: int) -> dict:
        return {"step": i}

    @DBOS.workflow()
    def chain(n: int) -> int:
        for i in range(n):
            step(i)
        return n

    DBOS.launch()
    started = time.monotonic()
    handles = [DBOS.start_workflow(chain, steps) for _ in range(workflows)]
    done = sum(h.get_result() for h in handles)
    secs = time.monotonic() - started
    print(f"dbos: {done} steps in {secs:.2f}s = {done / secs:.0f} steps/s")
    DBOS.destroy()


if __name__ == "__main__":
    main()
