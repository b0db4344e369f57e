#!/usr/bin/env bash
# scaffold.sh DIR NAME "description" [sans-io]
set -euo pipefail
dir=$1; name=$2; desc=$3; mode=${4:-node}
mkdir -p "$dir/src" "$dir/test"
short=${name#@grapevine/}
cat > "$dir/package.json" <<JSON
{
  "name": "$name",
  "version": "0.1.0",
  "description": "$desc",
  "license": "MIT",
  "type": "module",
  "sideEffects": false,
  "exports": {
    ".": {
      "@grapevine/source": "./src/index.ts",
      "types": "./dist/index.d.ts",
      "default": "./dist/index.js"
    }
  },
  "files": ["dist", "README.md"],
  "scripts": {
    "build": "tsc -p tsconfig.build.json",
    "typecheck": "tsc -p tsconfig.json --noEmit",
    "test": "vitest run --root ../.. $dir"
  },
  "dependencies": {},
  "devDependencies": {}
}
JSON
if [ "$mode" = sans-io ]; then
cat > "$dir/tsconfig.json" <<JSON
{
  "extends": "../../tsconfig.base.json",
  "compilerOptions": { "types": [], "noEmit": true },
  "include": ["src"],
  "exclude": ["src/**/*.test.ts"]
}
JSON
cat > "$dir/tsconfig.test.json" <<JSON
{
  "extends": "../../tsconfig.base.json",
  "compilerOptions": { "types": ["node"], "noEmit": true },
  "include": ["src", "test"]
}
JSON
sed -i 's#"typecheck": "tsc -p tsconfig.json --noEmit"#"typecheck": "tsc -p tsconfig.json --noEmit \&\& tsc -p tsconfig.test.json --noEmit"#' "$dir/package.json"
else
cat > "$dir/tsconfig.json" <<JSON
{
  "extends": "../../tsconfig.base.json",
  "compilerOptions": { "types": ["node"], "noEmit": true },
  "include": ["src", "test"]
}
JSON
fi
cat > "$dir/tsconfig.build.json" <<JSON
{
  "extends": "./tsconfig.json",
  "compilerOptions": {
    "noEmit": false,
    "rootDir": "src",
    "outDir": "dist",
    "customConditions": []
  },
  "include": ["src"],
  "exclude": ["src/**/*.test.ts"]
}
JSON
[ -f "$dir/src/index.ts" ] || echo "export {};" > "$dir/src/index.ts"
[ -f "$dir/README.md" ] || printf '# %s\n\n%s\n' "$name" "$desc" > "$dir/README.md"
