// GraphQL Code Generator: types for every operation in src/, from the committed schema.
// `npm run codegen` writes src/gql/ (not committed); run it again whenever schema.graphql or
// an operation changes.
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  // The SDL the server is checked against (tests/tests/schema.rs), not a live server.
  schema: '../../schema.graphql',
  documents: ['src/**/*.ts', '!src/gql/**'],
  ignoreNoDocuments: false,
  generates: {
    'src/gql/': {
      preset: 'client',
      presetConfig: {
        // Operations read their fields directly; there are no fragments to mask.
        fragmentMasking: false,
      },
      config: {
        // `graphql()` returns the operation's text typed with its result and variables, so
        // sending it needs no GraphQL library at run time.
        documentMode: 'string',
        // Enums as string unions: nothing but types is generated.
        enumsAsTypes: true,
        useTypeImports: true,
        // Node's ES modules need the extension in relative imports.
        importExtension: '.js',
        // Every custom scalar must be mapped here: a new one fails codegen instead of
        // silently becoming `unknown` (or `any`).
        strictScalars: true,
        scalars: {
          // schema.graphql, `scalar DateTime`: a UTC timestamp as an RFC 3339 string.
          DateTime: { input: 'string', output: 'string' },
          // schema.graphql, `scalar SafeInt`: an integer within ±(2^53 − 1), exact as a
          // JavaScript number.
          SafeInt: { input: 'number', output: 'number' },
        },
      },
    },
  },
};

export default config;
