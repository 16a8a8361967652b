/** DingTalk refused a message (errcode other than 0) or could not be reached. The message is redacted. */
export class DingTalkError extends Error {
  override readonly name = 'DingTalkError';

  constructor(
    /** DingTalk's errcode; undefined when no answer was read (network error, HTTP error). */
    readonly errcode: number | undefined,
    message: string,
  ) {
    super(message);
  }
}
