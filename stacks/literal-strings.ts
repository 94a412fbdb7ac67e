// Settings are data: every plain string a stack renders reaches Terraform as a literal. Terraform's JSON syntax
// evaluates `${...}` and `%{...}` in every string of a resource, data source, provider or output value, so a
// settings value like '${file("/etc/passwd")}' would be code. The boundary is cdktf's own: a JavaScript string
// is a literal, a token (a reference, a variable, an `Fn.*` call) is an expression only code can write. This
// aspect escapes the literal parts (`$${`, `%%{`) of every string of every such block at synth, so no construct,
// present or future, has to remember to. Variables and backends are left alone: Terraform reads their strings
// literally, and escaping them would change the value.
import { IAspect, TerraformDataSource, TerraformOutput, TerraformProvider, TerraformResource, Tokenization } from "cdktf";
import { IConstruct } from "constructs";
import { TOKEN_MARKER } from "../settings";


const STRING_TOKEN = /(\$\{TfToken\[[a-zA-Z0-9:._-]+\]\})/;

/** `value` with Terraform's template sequences escaped, so Terraform reads it as written. */
export function escapeTemplate(value: string): string {
  // A function, not a replacement string: in one, "$$" would stand for a single "$".
  return value.replace(/([$%])\{/g, (sequence) => sequence[0] + sequence);
}

/** A string whose plain parts are escaped and whose token parts (expressions the code wrote) are kept. */
function literalString(value: string): string {
  if (!value.includes(TOKEN_MARKER)) return escapeTemplate(value);
  const parts = value.split(STRING_TOKEN);
  return parts
    .map((part, index) => {
      if (index % 2 === 1) return part; // a token
      // "$" or "%" right before an interpolation would turn it into an escape ("$${"), which no escaping can express.
      if (index < parts.length - 1 && /[$%]$/.test(part)) {
        throw new Error(`the literal "${part}" ends in "${part.slice(-1)}" right before a Terraform expression; Terraform would read "${part.slice(-1)}\${" as an escape`);
      }
      return escapeTemplate(part);
    })
    .join("");
}

/** Every string (and object key) in `value` rendered literally; tokens that are not strings are kept as they are. */
export function literalValue(value: unknown): unknown {
  if (typeof value === "string") return literalString(value);
  if (Array.isArray(value)) return value.map(literalValue);
  if (value === null || typeof value !== "object" || Tokenization.isResolvable(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [literalString(key), literalValue(item)]));
}

const wrapped = new WeakSet<object>();

/** Escapes the literal strings of every resource, data source, provider and output value under the scope it is added to. */
export class LiteralStrings implements IAspect {
  visit(node: IConstruct): void {
    if (wrapped.has(node)) return;
    if (TerraformResource.isTerraformResource(node) || node instanceof TerraformDataSource || TerraformProvider.isTerraformProvider(node)) {
      const render = node.toTerraform.bind(node);
      node.toTerraform = (): ReturnType<typeof render> => literalValue(render()) as ReturnType<typeof render>;
    } else if (TerraformOutput.isTerraformOutput(node)) {
      // An output's description is read literally; only its value is an expression.
      const render = node.toTerraform.bind(node);
      node.toTerraform = () => {
        const rendered = render() as { output: Record<string, { value?: unknown }> };
        for (const block of Object.values(rendered.output)) block.value = literalValue(block.value);
        return rendered;
      };
    } else {
      return;
    }
    wrapped.add(node);
  }
}
