// Text matched literally inside a regular expression built at run time (config keys, file paths in stack traces, key
// patterns): one escape for every place that builds one.
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
