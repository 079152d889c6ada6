/**
 * Host for an ESP32 with a cellular modem (SIMCom SIM7080/SIM7000 or Quectel BG95/BG96) on a UART.
 * NOT BUILT OR FLASHED in this repository's checks (no ESP-IDF, no modem here): type-checked only.
 * Everything but I/O is the ESP32 host (hosts/esp32: hardware RNG, HMAC-eFuse device secret, partition
 * flash, native crypto). `serial` is the modem UART; `udp` hands out sockets on the modem's own IP stack
 * (modules/modem SimcomUdpSocket / QuectelUdpSocket), so DTLS and CoAP run over cellular data unchanged,
 * and `modem` carries SMS (modules/modem ModemSms) for the SMS binding.
 */
import type { Host } from '../../modules/host';
import { Modem } from '../../modules/modem/modem';
import { QuectelUdpSocket } from '../../modules/modem/socket-quectel';
import { SimcomUdpSocket } from '../../modules/modem/socket-simcom';
import type { UdpSocket } from '../../modules/transport/types';
import { createEsp32Host, type Esp32HostOptions } from '../esp32/host';
import { openSerial } from './serial';

export interface CellularHostOptions extends Esp32HostOptions {
  family: 'simcom' | 'quectel';
  /** UART wiring; defaults: UART 1, 115200 baud. */
  uart?: { port?: number; transmit?: number; receive?: number; baud?: number; flowControl?: 'hardware' | 'none' };
}

export interface CellularHost {
  host: Host;
  modem: Modem;
}

export function createCellularHost(o: CellularHostOptions): CellularHost {
  const base = createEsp32Host(o);
  const uart = o.uart ?? {};
  const stream = openSerial({ port: uart.port ?? 1, transmit: uart.transmit, receive: uart.receive, baud: uart.baud ?? 115200, flowControl: uart.flowControl });
  const modem = new Modem(base, stream);
  let next = 0;
  const host: Host = {
    ...base,
    serial: () => stream,
    udp(): UdpSocket {
      const id = next++;
      return o.family === 'simcom' ? new SimcomUdpSocket(modem.at, { cid: id % 13 }) : new QuectelUdpSocket(modem.at, { connectId: id % 12 });
    },
  };
  return { host, modem };
}
