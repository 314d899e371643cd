// Start-up probe: the Node built-ins commander 15 imports (lib/command.js), and nothing else.
import "node:events";
import "node:child_process";
import "node:path";
import "node:fs";
import "node:process";
import "node:util";
