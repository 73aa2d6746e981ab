// IAM reads against moto_server through the IAM query API (this project has no IAM SDK client): a call's XML
// answer, and an element's text decoded as IAM returns policy documents.

/**
 * An IAM query-API call (`Action=GetRole&RoleName=...`) to the moto at `endpoint`, as the account whose access key
 * id is `accessKeyId` (moto keeps an assumed role's account apart by its key); the response's XML. Throws unless 200.
 */
export async function motoIam(endpoint: string, query: string, accessKeyId = 'testing'): Promise<string> {
  const response = await fetch(`${endpoint}/?${query}&Version=2010-05-08`, {
    headers: { authorization: `AWS4-HMAC-SHA256 Credential=${accessKeyId}/20260101/us-east-1/iam/aws4_request` },
  });
  if (response.status !== 200) throw new Error(`IAM ${query}: HTTP ${response.status}: ${await response.text()}`);
  return response.text();
}

/** An XML element's text: entities decoded, then URL-decoded as IAM returns policy documents. */
export const xmlText = (text: string) =>
  decodeURIComponent(text.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#39;/g, "'").replace(/&amp;/g, '&'));

/** The text of the first `<name>` element of `xml`, decoded (xmlText); throws when there is none. */
export function xmlElement(xml: string, name: string): string {
  const match = new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(xml);
  if (!match) throw new Error(`no <${name}> in ${xml.slice(0, 200)}`);
  return xmlText(match[1]!);
}
