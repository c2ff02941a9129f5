// Placeholder until the first registry/ source lands.
