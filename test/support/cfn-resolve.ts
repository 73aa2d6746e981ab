// Resolves the CloudFormation intrinsics these templates use (Ref, Fn::Sub in both forms, Fn::Join, Fn::Split,
// Fn::If with Fn::Equals/Fn::Not conditions, Fn::GetAtt, Fn::ImportValue) to plain values, so the permission tests can read the
// policies as IAM would see them for one example deployment. Anything else throws.

type Json = Record<string, unknown>;

export interface ResolveContext {
  /** Parameter values (defaults from the template fill the rest) and pseudo parameters (AWS::Region ...). */
  readonly parameters: Readonly<Record<string, string>>;
  /** `Ref` to a resource: its physical id (or ARN, for types whose Ref is an ARN). */
  readonly ref: (logicalId: string) => string;
  /** `Fn::GetAtt` of a resource. */
  readonly getAtt: (logicalId: string, attribute: string) => string;
  /** `Fn::ImportValue`: the value another stack exports under this name. */
  readonly importValue?: (exportName: string) => string;
}

/** A marker for AWS::NoValue: removed from the lists and maps that hold it. */
const NO_VALUE = Symbol('AWS::NoValue');

export function resolveTemplateValue(template: Json, value: unknown, context: ResolveContext): unknown {
  const parameters: Record<string, string> = {};
  for (const [name, p] of Object.entries((template.Parameters ?? {}) as Record<string, Json>)) {
    if (p.Default !== undefined) parameters[name] = String(p.Default);
  }
  Object.assign(parameters, context.parameters);
  const resources = (template.Resources ?? {}) as Json;
  const conditions = (template.Conditions ?? {}) as Json;

  const ref = (name: string): unknown => {
    if (name === 'AWS::NoValue') return NO_VALUE;
    if (name in parameters) return parameters[name];
    if (name in resources) return context.ref(name);
    throw new Error(`Ref to unknown ${name}`);
  };
  const condition = (name: string): boolean => {
    const body = conditions[name];
    if (body === undefined) throw new Error(`unknown condition ${name}`);
    return Boolean(resolve(body));
  };
  const sub = (text: string, variables: Json): string =>
    text.replace(/\$\{([^}!]+)\}/g, (_all, name: string) => {
      if (name in variables) return String(variables[name]);
      const dot = name.indexOf('.');
      return String(dot > 0 && name.slice(0, dot) in resources ? context.getAtt(name.slice(0, dot), name.slice(dot + 1)) : ref(name));
    }).replace(/\$\{!/g, '${');

  function resolve(node: unknown): unknown {
    if (Array.isArray(node)) return node.map(resolve).filter((v) => v !== NO_VALUE);
    if (node === null || typeof node !== 'object') return node;
    const entries = Object.entries(node as Json);
    if (entries.length === 1) {
      const [key, arg] = entries[0]!;
      const args = arg as unknown[];
      switch (key) {
        case 'Ref':
          return ref(arg as string);
        case 'Condition':
          return condition(arg as string);
        case 'Fn::Sub':
          return Array.isArray(arg) ? sub(arg[0] as string, resolve(arg[1]) as Json) : sub(arg as string, {});
        case 'Fn::Join':
          return (resolve(args[1]) as unknown[]).join(args[0] as string);
        case 'Fn::Split':
          return String(resolve(args[1])).split(args[0] as string);
        case 'Fn::If':
          return condition(args[0] as string) ? resolve(args[1]) : resolve(args[2]);
        case 'Fn::Equals':
          return resolve(args[0]) === resolve(args[1]);
        case 'Fn::Not':
          return !resolve(args[0]);
        case 'Fn::GetAtt':
          return context.getAtt(args[0] as string, args[1] as string);
        case 'Fn::ImportValue': {
          const name = String(resolve(arg));
          if (!context.importValue) throw new Error(`Fn::ImportValue ${name} has no exporting stack here`);
          return context.importValue(name);
        }
        default:
          if (key.startsWith('Fn::')) throw new Error(`${key} is not resolved by this helper`);
      }
    }
    return Object.fromEntries(entries.map(([k, v]) => [k, resolve(v)]).filter(([, v]) => v !== NO_VALUE));
  }
  return resolve(value);
}
