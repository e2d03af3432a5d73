import { type Block, divider, header, md, mention } from './blocks.js';
import type { ChatViews } from './ports/chat.js';
import type { Logger } from './ports/runtime.js';

/** A section of a user's App Home tab (pending approvals, plan board, ...). */
export interface HomeSection {
  order: number;
  render(userId: string): Promise<Block[]>;
}

/**
 * The App Home tab: each module contributes sections (pending approvals, the plan board); the
 * tab is re-published when a user opens it and whenever a module changes what it shows them.
 */
export class HomeService {
  private sections: HomeSection[] = [];

  constructor(
    private readonly chat: Pick<ChatViews, 'publishHome'>,
    private readonly log: Logger,
  ) {}

  register(sections: HomeSection[]): void {
    this.sections = [...this.sections, ...sections].sort((a, b) => a.order - b.order);
  }

  async render(userId: string): Promise<Block[]> {
    const blocks: Block[] = [header('Switchyard'), md(`Hello ${mention(userId)}. This tab shows what waits for you.`)];
    for (const s of this.sections) {
      try {
        const part = await s.render(userId);
        if (part.length) blocks.push(divider(), ...part);
      } catch (err) {
        this.log.error({ err: (err as Error).message }, 'home section failed');
        blocks.push(divider(), md(':warning: One section could not be loaded.'));
      }
    }
    return blocks.slice(0, 100);
  }

  async refresh(userId: string): Promise<void> {
    await this.chat.publishHome(userId, await this.render(userId));
  }
}
