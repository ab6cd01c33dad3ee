"""Pure numerics: times, orbit geometry. Imports nothing else of SDA."""
