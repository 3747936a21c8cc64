export type ContextWindowFor = (modelId: string) => number | null;

/**
 * Default context window by model-id family, until the catalog supplies it: gpt-4.1* 1,047,576;
 * other OpenAI models 128,000; Claude 200,000; Gemini 1,048,576; Llama 3.x 131,072; unknown
 * models unlimited (null).
 */
export const defaultContextWindowFor: ContextWindowFor = (modelId) => {
  const id = modelId.toLowerCase();
  if (id.startsWith('gpt-4.1')) return 1_047_576;
  if (/^(gpt-|o\d)/.test(id)) return 128_000;
  if (id.startsWith('claude')) return 200_000;
  if (id.startsWith('gemini')) return 1_048_576;
  if (id.includes('llama')) return 131_072;
  return null;
};
