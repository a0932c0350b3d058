"""The subcommands of `atheena`, one module each.

Each module holds what is particular to one command: `add_parser(sub)`, which
declares its arguments and help texts, and `cmd_<name>(args)`, which checks the
arguments, calls the library and prints the result; it returns the exit status.
What several commands share (MODEL / --example loading, threshold and number
lists, messages, tables) is in `common`.  `atheena.tools.cli` only assembles the
parser and dispatches, so adding a command means adding a module here and one
line there.
"""
