// Start-up probe: what loading string-width (used to measure table cells) costs.
import "string-width";
