import { decodeEntities } from '../../../shared/mailbox/ews/xml';

describe('decodeEntities', () => {
  it.each([
    ['Tom &amp; Jerry &lt;b&gt; &quot;x&quot; &apos;y&apos;', 'Tom & Jerry <b> "x" \'y\''],
    ['caf&#233; caf&#xE9; caf&#XE9;', 'café café caf&#XE9;'],
    ['&#x1F600; &#128512;', '😀 😀'],
    ['&amp;lt; stays one level decoded', '&lt; stays one level decoded'],
    [
      '&nbsp; &foo; &#xZZ; &#; &#x; &#1114112; & alone; &',
      '&nbsp; &foo; &#xZZ; &#; &#x; &#1114112; & alone; &',
    ],
    ['&&amp;;', '&&;'],
    ['no references at all', 'no references at all'],
  ])('%s', (encoded, decoded) => {
    expect(decodeEntities(encoded)).toBe(decoded);
  });
});
