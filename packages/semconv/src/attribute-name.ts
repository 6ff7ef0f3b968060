import type * as attributes from './attributes.js';

type Attributes = typeof attributes;

/** Every attribute key wirescope writes (the values of the `ATTR_*` constants), as one type. */
export type AttributeName = {
  [K in keyof Attributes]: K extends `ATTR_${string}` ? Attributes[K] : never;
}[keyof Attributes];
