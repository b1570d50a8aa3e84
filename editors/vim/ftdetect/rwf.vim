" rwf release templates: *.rwf
autocmd BufRead,BufNewFile *.rwf setfiletype rwf
