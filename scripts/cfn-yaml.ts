// CloudFormation YAML with short-form intrinsics (!Ref, !Sub, !GetAtt, ...): parse it into a yaml Document
// that keeps the tags (to edit and write back), or into plain JSON-like data in long form ({ Ref }, { 'Fn::Sub' }).

import { isMap, isScalar, isSeq, parseDocument, type Document, type Node } from 'yaml';

/** Parses a template; tags stay on their nodes. Throws on YAML errors. */
export function parseCfnDocument(text: string): Document {
  const doc = parseDocument(text, { keepSourceTokens: false });
  if (doc.errors.length > 0) throw new Error(`template is not valid YAML: ${doc.errors[0]!.message}`);
  return doc;
}

function intrinsic(tag: string, value: unknown): unknown {
  const name = tag.slice(1);
  if (name === 'Ref' || name === 'Condition') return { [name]: value };
  if (name === 'GetAtt' && typeof value === 'string') {
    const dot = value.indexOf('.');
    return { 'Fn::GetAtt': [value.slice(0, dot), value.slice(dot + 1)] };
  }
  return { [`Fn::${name}`]: value };
}

function nodeToLongForm(node: unknown): unknown {
  let value: unknown;
  if (isMap(node)) {
    value = Object.fromEntries(
      node.items.map((pair) => [String(isScalar(pair.key) ? pair.key.value : pair.key), nodeToLongForm(pair.value)]),
    );
  } else if (isSeq(node)) {
    value = node.items.map(nodeToLongForm);
  } else if (isScalar(node)) {
    value = node.value;
  } else if (node === null || node === undefined) {
    return null;
  } else {
    throw new Error('anchors and aliases are not used in these templates');
  }
  const tag = (node as Node).tag;
  return tag?.startsWith('!') ? intrinsic(tag, value) : value;
}

/** The template as plain data, every intrinsic in long form. */
export function parseCfnTemplate(text: string): Record<string, unknown> {
  return nodeToLongForm(parseCfnDocument(text).contents) as Record<string, unknown>;
}
