import MarkdownIt from 'markdown-it';

// html: false — raw HTML in the Markdown (an LLM-written summary may hold some) is shown as text.
const markdown = new MarkdownIt({ html: false, linkify: false, typographer: false });

/**
 * A stored report's Markdown as HTML with no raw HTML. The embedded chart (a data: URI image,
 * which markdown-it refuses anyway) is replaced by `chartUrl`, served as an image of its own.
 */
export function renderReportMarkdown(text: string, chartUrl: string): string {
  const withChart = text.replace(/!\[([^\]]*)\]\(data:image\/svg\+xml[^)]*\)/g, (_, alt: string) => `![${alt}](${chartUrl})`);
  return markdown.render(withChart);
}
