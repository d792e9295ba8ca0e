/**
 * What ships: the files tsconfig.build.json compiles into dist/ import only
 * Node built-ins, each other and package.json's `dependencies`; test helpers
 * and test-only packages (prom-client, which the tests use to cross-check the
 * exposition) stay out of the production install.
 */
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const packageJson = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

function shippedFiles(): string[] {
  const configPath = path.join(root, 'tsconfig.build.json');
  const read = ts.readConfigFile(configPath, (file) => ts.sys.readFile(file));
  return ts.parseJsonConfigFileContent(read.config, ts.sys, root, undefined, configPath).fileNames;
}

/** Bare specifiers a file imports (static or dynamic), type-only imports excluded. */
function importedPackages(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && !node.importClause?.isTypeOnly && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push(node.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(node) && !node.isTypeOnly && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [argument] = node.arguments;
      if (argument && ts.isStringLiteral(argument)) found.push(argument.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found
    .filter((specifier) => !specifier.startsWith('.') && !specifier.startsWith('node:'))
    .map((specifier) => (specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!))
    .filter((name) => !builtinModules.includes(name));
}

describe('the production build', () => {
  const files = shippedFiles();

  it('compiles the daemon and no test helper', () => {
    const relative = files.map((file) => path.relative(root, file));
    expect(relative).toContain('server/app.ts');
    expect(relative.filter((file) => file.includes('test-support/') || file.endsWith('.test.ts'))).toEqual([]);
  });

  it('imports only packages listed in dependencies', () => {
    const misplaced = files.flatMap((file) =>
      importedPackages(file)
        .filter((name) => !(name in packageJson.dependencies))
        .map((name) => `${path.relative(root, file)} imports ${name}`),
    );
    expect(misplaced).toEqual([]);
  });

  it('leaves prom-client to the tests', () => {
    expect(packageJson.dependencies).not.toHaveProperty('prom-client');
    expect(packageJson.devDependencies).toHaveProperty('prom-client');
  });
});
