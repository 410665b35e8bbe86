// Built-in subcommands register themselves on import; one line per command file.
import './analyze';
import './data';
import './denoise';
import './import-pytorch';
import './info';
import './inverse';
import './reproduce';
import './report';
import './sample';
import './similarity';
import './sweep';
import './synth';
import './train';
