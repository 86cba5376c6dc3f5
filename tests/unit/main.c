/* main.c - runs every unit-test suite.
 *
 * CK_NORMAL prints failures and the summary line
 * "100%: Checks: N, Failures: 0, Errors: 0"; the exit status is nonzero when
 * any test failed.  Check's usual environment variables apply: CK_FORK=no
 * runs everything in one process (for gdb or one clean sanitizer report),
 * CK_RUN_SUITE / CK_RUN_CASE select one suite or test case, CK_VERBOSITY
 * changes how much is printed.
 */
#include <stdlib.h>

#include "suites.h"

int main(void) {
    SRunner *sr = srunner_create(units_suite());
    srunner_add_suite(sr, lexer_suite());
    srunner_add_suite(sr, eval_suite());
    srunner_add_suite(sr, check_suite());
    srunner_add_suite(sr, sim_suite());
    srunner_add_suite(sr, llm_suite());
    srunner_add_suite(sr, hf_suite());
    srunner_add_suite(sr, api_suite());
    srunner_add_suite(sr, trace_suite());
    srunner_add_suite(sr, kernel_suite());
    srunner_add_suite(sr, vision_suite());
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
