// Start-up probe: what loading smol-toml (the contexts file, read only when it exists) costs.
import "smol-toml";
