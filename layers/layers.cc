// Placeholder until the first layers/ source lands.
