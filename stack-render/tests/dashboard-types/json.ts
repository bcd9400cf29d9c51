// The JSON form of a TypeScript type: a string enum member is written as its
// value in JSON ("value", not MappingType.ValueToText), so enums become the
// union of their values; everything else keeps its exact shape, including
// optional keys and excess-property checks on object literals.
export type Json<T> = T extends string
  ? `${T}`
  : T extends number | boolean | null | undefined
    ? T
    : T extends readonly (infer Item)[]
      ? Json<Item>[]
      : T extends object
        ? { [Key in keyof T]: Json<T[Key]> }
        : T;

// Panel plugins fill in defaults for every option left out, so a panel's
// options are checked key by key and value by value, but none is required.
export type JsonPartial<T> = T extends string
  ? `${T}`
  : T extends number | boolean | null | undefined
    ? T
    : T extends readonly (infer Item)[]
      ? JsonPartial<Item>[]
      : T extends object
        ? { [Key in keyof T]?: JsonPartial<T[Key]> }
        : T;
