// TypeDoc plugin: the entry points are named by their import paths, and a property of an anonymous object type (an `as const` table, an inline type) is covered by the doc comment of the declaration that holds it.
//
// TypeDoc names a module after its file or folder (`index`, `codec`, `node`); users import `bpftypes`,
// `bpftypes/codec` and `bpftypes/node`, so the reference says that.
//
// `validation.notDocumented` would otherwise ask for a comment on every leaf of a nested constant
// table (`ATTR_LAYOUT.mapCreate.fields.map_type.offset`), which has nothing to say beyond its
// value. Properties of named interfaces and classes still need their own comment, and so does the
// exported declaration holding the table.

import { Converter, ReflectionKind } from "typedoc";

/**
 * True when some ancestor of `reflection` is an anonymous object type, and none is a parameter
 * (TypeDoc never asks for docs inside a parameter's type, and would flag the name as unused).
 */
function insideTypeLiteral(reflection) {
  let literal = false;
  for (let parent = reflection.parent; parent; parent = parent.parent) {
    if (parent.kindOf(ReflectionKind.Parameter)) return false;
    if (parent.kindOf(ReflectionKind.TypeLiteral)) literal = true;
  }
  return literal;
}

/** The import path of each entry point, by the name TypeDoc gives it. */
const IMPORT_PATHS = { index: "bpftypes", codec: "bpftypes/codec", btf: "bpftypes/btf", node: "bpftypes/node" };

/**
 * Registers the plugin: renames the entry modules, and adds the properties above to
 * `intentionallyNotDocumented` before validation runs.
 */
export function load(app) {
  app.converter.on(Converter.EVENT_CREATE_DECLARATION, (_context, reflection) => {
    if (reflection.kindOf(ReflectionKind.Module) && Object.hasOwn(IMPORT_PATHS, reflection.name)) {
      reflection.name = IMPORT_PATHS[reflection.name];
    }
  });
  app.converter.on(Converter.EVENT_RESOLVE_END, (context) => {
    const names = new Set(app.options.getValue("intentionallyNotDocumented"));
    for (const reflection of context.project.getReflectionsByKind(ReflectionKind.Property)) {
      if (!reflection.hasComment() && insideTypeLiteral(reflection)) names.add(reflection.getFriendlyFullName());
    }
    app.options.setValue("intentionallyNotDocumented", [...names]);
  });
}
