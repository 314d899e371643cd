// Start-up probe: what loading commander (and the Node built-ins it imports) costs.
import "commander";
