"""Refreshes every `<!-- example: file -->` block from docs/examples (docs.test.ts checks them)."""
import pathlib, re, sys
root = pathlib.Path(__file__).resolve().parent.parent
files = [root / 'README.md', *sorted((root / 'docs').glob('*.md')), *sorted(root.glob('packages/*/README.md')), root / 'apps/demo/README.md']
pat = re.compile(r'<!-- example: ([^ ]+) -->\s*\n(```ts\n[\s\S]*?```\n)?')
for f in files:
    if not f.exists(): continue
    text = f.read_text()
    def rep(m):
        code = (root / 'docs/examples' / m.group(1)).read_text()
        return f'<!-- example: {m.group(1)} -->\n\n```ts\n{code}```\n'
    new = pat.sub(rep, text)
    if new != text:
        f.write_text(new); print('updated', f.relative_to(root))
