/* SPDX-License-Identifier: MIT */
/*
 * `cexarb report SESSION_DIR`: re-create report.html and summary.json of a finished session
 * (backtest, paper or live) from its CSV files alone, and print the summary.
 * Exit status: 0 ok; 1 the session could not be read (the message names file:line:col); 2 usage.
 */
#include "cexarb/core.h"
#include "cexarb/report.h"

#include <stdio.h>
#include <string.h>

int cx_cmd_report(int argc, char **argv);

int cx_cmd_report(int argc, char **argv)
{
    if (argc != 2 || argv[1][0] == '-') {
        if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
            printf("usage: cexarb report SESSION_DIR\n\nRe-create report.html and summary.json "
                   "of a session from its CSV files and print the summary.\n");
            return 0;
        }
        fprintf(stderr, "usage: cexarb report SESSION_DIR\n");
        return 2;
    }
    struct cx_parse_err err = {0};
    int rc = cx_report_from_dir(argv[1], stdout, &err);
    if (rc != 0) {
        char msg[512];
        cx_parse_err_format(&err, msg, sizeof msg);
        fprintf(stderr, "cexarb report: %s/%s\n", argv[1], msg);
        return 1;
    }
    printf("report: %s/report.html\n", argv[1]);
    return 0;
}
