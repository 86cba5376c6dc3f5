/* suites.h - the Check suites that tests/unit/main.c runs. */
#ifndef MLDC_TEST_SUITES_H
#define MLDC_TEST_SUITES_H

#include <check.h>

Suite *units_suite(void);  /* test_units.c: unit parsing, dimension algebra */
Suite *lexer_suite(void);  /* test_lexer.c: tokens, statement ends, limits */
Suite *eval_suite(void);   /* test_eval.c: params and arithmetic in the IR */
Suite *check_suite(void);  /* test_check.c: checker diagnostics */
Suite *sim_suite(void);    /* test_sim.c: simulator known answers and properties */
Suite *hf_suite(void);     /* test_hf.c: Hugging Face config.json reader */
Suite *kernel_suite(void); /* test_kernel.c: kernel choice, row-wise kernels, std/gpu presets */
Suite *llm_suite(void);    /* test_llm.c: stdlib LLM presets vs published figures */
Suite *api_suite(void);    /* test_api.c: the public C API (mldc_api.h), lsp tables */
Suite *vision_suite(void); /* test_vision.c: convolution, pooling, batch norm; std/vision's ResNets */
Suite *trace_suite(void);  /* test_trace.c: the Chrome trace parsed back */

#endif
