// Built-in subcommands register themselves on import; one line per command file.
import './info';
