/**
 * The comparison client for the benchmark: ews-javascript-api (a port of Microsoft's EWS Managed API),
 * configured the way our client works (Basic auth, SMTP impersonation, X-AnchorMailbox), so both do
 * the same work against the same sandbox. Benchmark only; never used by the product.
 */
import {
  ConnectingIdType,
  DateTime,
  ExchangeService,
  ExchangeVersion,
  ImpersonatedUserId,
  OofExternalAudience,
  OofReply,
  OofSettings,
  OofState,
  TimeWindow,
  Uri,
  WebCredentials,
} from 'ews-javascript-api';

export class EwsJavascriptApiOofClient {
  private readonly service: ExchangeService;

  constructor(url: string, username: string, password: string) {
    this.service = new ExchangeService(ExchangeVersion.Exchange2016);
    this.service.Url = new Uri(url);
    this.service.Credentials = new WebCredentials(username, password);
  }

  private actAs(mailbox: string): void {
    this.service.ImpersonatedUserId = new ImpersonatedUserId(ConnectingIdType.SmtpAddress, mailbox);
    this.service.HttpHeaders.addUpdate('X-AnchorMailbox', mailbox);
  }

  async getOofState(mailbox: string): Promise<string> {
    this.actAs(mailbox);
    const settings = await this.service.GetUserOofSettings(mailbox);
    return OofState[settings.State];
  }

  async setScheduledOof(
    mailbox: string,
    startIso: string,
    endIso: string,
    internal: string,
    external: string,
  ): Promise<void> {
    this.actAs(mailbox);
    const settings = new OofSettings();
    settings.State = OofState.Scheduled;
    settings.ExternalAudience = OofExternalAudience.All;
    settings.Duration = new TimeWindow(DateTime.Parse(startIso), DateTime.Parse(endIso));
    settings.InternalReply = new OofReply(internal);
    settings.ExternalReply = new OofReply(external);
    await this.service.SetUserOofSettings(mailbox, settings);
  }
}
