import { describe, expect, expectTypeOf, it } from 'vitest';
import type { ChatConversations, ChatDirectory, ChatMessages, ChatPort, ChatViews } from '../../src/core/ports/chat.js';
import { SafeChat } from '../../src/core/safe-chat.js';
import { SecretRegistry } from '../../src/core/mask.js';

// Checked by `tsc --noEmit` (tests are type-checked): the narrow ports cover ChatPort exactly,
// without overlap, so a consumer declaring one gets no method it did not ask for.
type Narrow = ChatMessages | ChatConversations | ChatDirectory | ChatViews;
type Overlap<A, B> = keyof A & keyof B;

describe('ChatPort is the intersection of four narrow ports', () => {
  it('covers every method once', () => {
    expectTypeOf<keyof ChatPort>().toEqualTypeOf<keyof ChatMessages | keyof ChatConversations | keyof ChatDirectory | keyof ChatViews>();
    expectTypeOf<
      Overlap<ChatMessages, ChatConversations> | Overlap<ChatMessages, ChatDirectory> | Overlap<ChatMessages, ChatViews>
    >().toBeNever();
    expectTypeOf<
      Overlap<ChatConversations, ChatDirectory> | Overlap<ChatConversations, ChatViews> | Overlap<ChatDirectory, ChatViews>
    >().toBeNever();
    expectTypeOf<SafeChat>().toExtend<ChatPort>();
    expectTypeOf<ChatPort>().toExtend<Narrow>();
  });

  it('the boundary every module gets offers all of them at run time', () => {
    const methods = [
      'post',
      'update',
      'pin',
      'messageRef',
      'ephemeral',
      'createChannel',
      'invite',
      'setTopic',
      'setPurpose',
      'addBookmark',
      'channelName',
      'messageText',
      'userInfo',
      'lookupByEmail',
      'usergroupMembers',
      'openModal',
      'updateModal',
      'publishHome',
    ] as const;
    expectTypeOf<(typeof methods)[number]>().toEqualTypeOf<keyof ChatPort>();
    const chat = new SafeChat({} as ChatPort, new SecretRegistry());
    for (const m of methods) expect(typeof chat[m], m).toBe('function');
  });
});
