// Placeholder until the proc connector addon lands.
process.exit(0);
