/* SPDX-License-Identifier: MIT */
/* cexarb CLI entry point: dispatches subcommands. */
#include <stdio.h>
#include <string.h>

int cx_cmd_replay(int argc, char **argv);
int cx_cmd_report(int argc, char **argv);
int cx_cmd_backtest(int argc, char **argv);

static void usage(FILE *f)
{
    fprintf(f, "usage: cexarb <command> [args]\n\n"
               "commands:\n"
               "  backtest [CONFIG] [--json] [--out DIR]\n"
               "      run maker_hedge on recorded data (default: the bundled Binance BTCUSDT\n"
               "      spot + USD-M files) and write a session directory with report.html\n"
               "  replay FILE... [--json] [--book-at NS] [--strict]\n"
               "      rebuild order books from recorded exchange traffic and check them\n"
               "  report SESSION_DIR\n"
               "      re-create a session's report.html and summary.json from its files\n");
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "replay") == 0)
        return cx_cmd_replay(argc - 1, argv + 1);
    if (strcmp(argv[1], "backtest") == 0)
        return cx_cmd_backtest(argc - 1, argv + 1);
    if (strcmp(argv[1], "report") == 0)
        return cx_cmd_report(argc - 1, argv + 1);
    fprintf(stderr, "cexarb: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
