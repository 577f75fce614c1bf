/**
 * The SPA's view of the generated `schema.d.ts` (the servers' OpenAPI, built in-process by `make schema` and checked
 * by `make test`: see scripts/gen_openapi.py). The API types in types.ts, plans-types.ts and evaluation-types.ts are
 * aliases of these, so that a change to a server model changes them (and vue-tsc names every view it breaks).
 */
import type { components, operations } from './schema'

export type Schemas = components['schemas']

/**
 * A value as the server sends it. In the OpenAPI a field with a default is optional (`?`), which is right for a
 * request body, but pydantic serialises every field of a response model, defaults included: a response has them all
 * (nullability is kept: `string | null` stays so).
 */
export type Sent<T> = T extends readonly (infer U)[]
  ? Sent<U>[]
  : T extends object
    ? { [K in keyof T]-?: Sent<T[K]> }
    : T

/** A response model by its schema name (`Out<'PlanOut'>`). */
export type Out<N extends keyof Schemas> = Sent<Schemas[N]>

/** A request body by its schema name (`In<'PlanCreate'>`): fields with a server default stay optional. */
export type In<N extends keyof Schemas> = Schemas[N]

/**
 * `T` with the fields of `O` typed narrower than the server's schema declares. Used only where a response model
 * declares `str` (or `list[str]`) for a field whose values are one of the server's enums; each use names the fields.
 */
export type Narrow<T, O extends { [K in keyof O]: K extends keyof T ? unknown : never }> = Omit<T, keyof O> & O

/** The query parameters of an operation by its id (FastAPI's `<function>_<path>_<method>`). */
export type Query<Op extends keyof operations> = NonNullable<operations[Op]['parameters']['query']>
