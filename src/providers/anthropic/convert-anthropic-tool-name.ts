/** A tool name Anthropic accepts (`^[a-zA-Z0-9_-]{1,64}$`) made from a structured output's name. */
export function convertAnthropicToolName(name: string): string {
  const cleaned = name.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 64);
  return cleaned === '' ? 'output' : cleaned;
}
