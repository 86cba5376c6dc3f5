/* cli_lsp.h - `mldc lsp`: the language server's stdio transport (part of
 * the command-line driver, not of the library). */
#ifndef MLDC_CLI_LSP_H
#define MLDC_CLI_LSP_H

/* Serve the Language Server Protocol on stdin/stdout until `exit` or end of
 * input.  Returns the exit status (0 after a shutdown request, else 1). */
int cli_lsp(const char *const *sets, int nsets, const char *stdlib_dir);

#endif
