" Vim filetype detection for mldc design files (*.mld).
autocmd BufNewFile,BufRead *.mld setfiletype mld
