/** A peer broke the link protocol; the link that carried it is closed with this message as the reason. */
export class LinkProtocolError extends Error {
  override name = 'LinkProtocolError';
}
