// Start-up probe: what loading oet's whole module graph costs, without running anything.
import "../../../src/cli/main.ts";
