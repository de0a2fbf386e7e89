"""Carbon's tiles on the data cockpit (registered on CarbonConfig.cockpit_tiles)."""
