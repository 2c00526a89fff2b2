/*
 * cmd_render.h - the `switchboard render` subcommand (see cmd_render.c).
 */
#ifndef SB_CMD_RENDER_H
#define SB_CMD_RENDER_H

/* `switchboard render TEMPLATE [DATA.json] [--partials DIR]`.  argv[0] is
 * the subcommand name, as main() passes it.  Returns the exit status:
 * 0 rendered (or --help), 1 error (message on stderr), 2 usage error. */
int cmd_render(int argc, char **argv);

#endif
