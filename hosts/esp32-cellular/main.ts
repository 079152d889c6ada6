/**
 * ESP32 + cellular modem app: brings the modem up (AT engine, PDU-mode SMS, registration), names the
 * endpoint after the IMEI, and runs the client with the U, S and U+S bindings: UDP/DTLS over the
 * modem's IP stack, SMS (secured packets, DTLS or NoSec per 0/x/6) through the modem. NOT BUILT here.
 */
import { Lwm2mClient } from '../../modules/client/client';
import { UdpDtlsConnector, keyStoreSessions } from '../../modules/client/connector';
import { BindingConnector, SmsConnector } from '../../modules/client/sms-connector';
import { KeyStoreObjectStore } from '../../modules/client/factory';
import { DataModel } from '../../modules/lwm2m/data-model';
import { DeviceObject } from '../../modules/lwm2m/objects/device';
import { KeyStore } from '../../modules/store/key-store';
import { CounterStore } from '../../modules/store/counter-store';
import { createCellularHost } from './host';

async function start(): Promise<void> {
  const { host, modem } = createCellularHost({ family: 'simcom' });
  await modem.init();
  const imei = await modem.imei();
  const keys = KeyStore.open(host, 'keys');
  const counters = CounterStore.open(host, 'counters');
  const dm = new DataModel({ host, store: new KeyStoreObjectStore(keys) });
  dm.register(new DeviceObject({ manufacturer: 'xs-lwm2m', model: 'esp32-cellular', serial: imei, binding: 'US' }));
  dm.restore();
  const sessions = keyStoreSessions(keys);
  const connector = new BindingConnector(new UdpDtlsConnector(host, { sessions }), new SmsConnector(host, { bearer: modem.sms, counters }));
  const client = new Lwm2mClient({ host, endpointName: `urn:imei:${imei}`, dataModel: dm, connector, sessions, onEvent: (e) => host.log('info', `lwm2m: ${e.type}`) });
  await client.start();
}

start().catch((e) => trace(`xs-lwm2m esp32-cellular: ${e instanceof Error ? e.message : String(e)}\n`));
