"""policydiff: track how policy texts change between versions."""
