/**
 * The in-memory block blobs refuse what Azure Storage refuses (Put Block, Put Block List), so a report
 * that passes the tests on the memory store is one Azure would take.
 */
import {
  BlockBlobRefusal,
  MAX_COMMITTED_BLOCKS,
  MAX_UNCOMMITTED_BLOCKS,
  StagedBlocks,
} from '../../../shared/sweep/stagedBlocks';

const id = (text: string): string => Buffer.from(text).toString('base64');

async function refusal(promise: Promise<unknown>): Promise<{ statusCode: number; code: string }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BlockBlobRefusal);
  const { statusCode, code } = error as BlockBlobRefusal;
  return { statusCode, code };
}

describe('staged blocks, as Azure keeps them', () => {
  it('a commit writes the listed blocks in the listed order and discards the others', async () => {
    const blocks = new StagedBlocks();
    await blocks.stage('r.json', id('b'), 'B');
    await blocks.stage('r.json', id('a'), 'A');
    await blocks.stage('r.json', id('c'), 'C');
    expect(blocks.ids('r.json')).toEqual([id('b'), id('a'), id('c')]);
    expect(await blocks.commit('r.json', [id('a'), id('b')])).toBe('AB');
    expect(blocks.ids('r.json')).toEqual([id('a'), id('b')]);
    expect(blocks.uncommittedCount('r.json')).toBe(0);
    expect(await refusal(blocks.commit('r.json', [id('c')]))).toEqual({
      statusCode: 400,
      code: 'InvalidBlockList',
    });
  });

  it('staging an id again replaces its uncommitted block; a commit takes the latest, else the committed one', async () => {
    const blocks = new StagedBlocks();
    await blocks.stage('r.csv', id('a'), 'old');
    await blocks.stage('r.csv', id('b'), 'B');
    expect(await blocks.commit('r.csv', [id('a'), id('b')])).toBe('oldB');
    await blocks.stage('r.csv', id('a'), 'new');
    expect(await blocks.commit('r.csv', [id('a'), id('b')])).toBe('newB');
  });

  it('refuses block ids of another length than the blob has, and ids that are not Base64 of at most 64 bytes', async () => {
    const blocks = new StagedBlocks();
    await blocks.stage('r.json', id('abc'), 'x');
    expect(await refusal(blocks.stage('r.json', id('abcd'), 'x'))).toEqual({
      statusCode: 400,
      code: 'InvalidBlobOrBlock',
    });
    await blocks.stage('other.json', id('abcd'), 'x'); // another blob, another length
    expect(await refusal(blocks.stage('x', 'not base64!', 'x'))).toMatchObject({
      code: 'InvalidQueryParameterValue',
    });
    expect(await refusal(blocks.stage('x', id('a'.repeat(65)), 'x'))).toMatchObject({
      statusCode: 400,
      code: 'InvalidQueryParameterValue',
    });
    await blocks.stage('y', id('a'.repeat(64)), 'x');
  });

  it('holds at most 100,000 uncommitted blocks and commits at most 50,000', async () => {
    const blocks = new StagedBlocks();
    const ids = Array.from({ length: MAX_UNCOMMITTED_BLOCKS }, (_, i) => id(String(i).padStart(6, '0')));
    for (const blockId of ids) await blocks.stage('r.json', blockId, '');
    expect(await refusal(blocks.stage('r.json', id('100000'), ''))).toEqual({
      statusCode: 409,
      code: 'BlockCountExceedsLimit',
    });
    await blocks.stage('r.json', ids[0]!, 'again'); // replacing one is no new block
    expect(await refusal(blocks.commit('r.json', ids.slice(0, MAX_COMMITTED_BLOCKS + 1)))).toEqual({
      statusCode: 400,
      code: 'BlockListTooLong',
    });
    expect(await blocks.commit('r.json', ids.slice(0, MAX_COMMITTED_BLOCKS))).toBe('again');
  });
});
