import { LinkType } from './record.ts';

const names = new Map<number, string>(Object.entries(LinkType).map(([name, linkType]) => [linkType, name]));

/** The LinkType name of a LINKTYPE_ number (e.g. 'ETHERNET'), or undefined for one reprise does not decode. */
export function linkTypeName(linkType: number): string | undefined {
  return names.get(linkType);
}
