/** Object 4, Connectivity Monitoring (urn:oma:lwm2m:oma:4:1.2 resource set 0-12); values are set by the application. */
import { defineObject, InstanceObject } from '../model';

export const CONNECTIVITY_OBJECT = defineObject(
  4,
  'Connectivity Monitoring',
  false,
  false,
  [
    [0, 'Network Bearer', 'R', false, true, 'integer'],
    [1, 'Available Network Bearer', 'R', true, true, 'integer'],
    [2, 'Radio Signal Strength', 'R', false, true, 'integer'],
    [3, 'Link Quality', 'R', false, false, 'integer'],
    [4, 'IP Addresses', 'R', true, true, 'string'],
    [5, 'Router IP Addresses', 'R', true, false, 'string'],
    [6, 'Link Utilization', 'R', false, false, 'unsigned'],
    [7, 'APN', 'R', true, false, 'string'],
    [8, 'Cell ID', 'R', false, false, 'integer'],
    [9, 'SMNC', 'R', false, false, 'integer'],
    [10, 'SMCC', 'R', false, false, 'integer'],
    [11, 'SignalSNR', 'R', false, false, 'integer'],
    [12, 'LAC', 'R', false, false, 'integer'],
  ],
  '1.2',
);

export class ConnectivityObject extends InstanceObject {
  constructor() {
    super(CONNECTIVITY_OBJECT);
  }
}
