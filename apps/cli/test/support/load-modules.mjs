// Imports each module named in $MODULES (a JSON array of file URLs or package specifiers,
// resolved from the CLI package), one after the other, and exits 0 when all loaded.
for (const specifier of JSON.parse(process.env.MODULES ?? '[]')) await import(specifier);
