int cx_cmd_replay(int argc, char **argv); int cx_cmd_replay(int argc, char **argv){(void)argc;(void)argv;return 1;}
