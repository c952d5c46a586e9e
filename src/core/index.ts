// The core's surface for the extension, which loads it lazily (dist/core.js) to keep activation fast.
export { createCore } from './core';
export { hostProblems } from './hosts/hostsConfig';
export { dockerSshContexts } from './hosts/dockerContexts';
export { SshConfigResolver, parseUserHostPort } from './ssh/sshConfig';
export { userMessage } from './errors';
export {
  addressPoolProblem,
  dataPathPortProblem,
  initSwarm,
  joinSwarm,
  joinTokens,
  leaveImpact,
  leaveSwarm,
  maskToken,
  rotateToken,
  swarmJoinAddress,
} from './swarm/swarmActions';
export { changeNode, parseLabels, removeNode, roleChangeWarnings } from './swarm/nodeActions';
export { listNodes, findNode } from './swarm/nodes';
export { hostAddresses } from './swarm/hostNetwork';
export { quorumLine } from './swarm/quorum';
export { swarmOverview } from './swarm/swarmOverview';
export { readServices } from './services/services';
export { checkService } from './services/checkService';
export {
  replicasProblem,
  scaleService,
  forceUpdateService,
  removeService,
  inspectService,
  followServiceLogs,
  waitForService,
} from './services/serviceActions';
export { createOverlay, listNetworks, networkMembers, removeOverlay, inspectNetwork, usedRanges } from './networks/overlayNetworks';
export { nameProblem, subnetProblem, gatewayProblem, ipRangeProblem, mtuProblem } from './networks/createOptions';
export { parseCidr } from './networks/cidr';
export { swarmHosts, checkPorts, UDP_NOTE } from './swarm/swarmHosts';
export { runMatrix, DEFAULT_PROBE_IMAGE } from './matrix/runMatrix';
export { planMatrix } from './matrix/matrixMode';
export { crossPairsFailing, withUnencryptedComparison } from './matrix/compareUnencrypted';
export { watchMatrix } from './matrix/watchMatrix';
export { toJson as matrixToJson, toCsv as matrixToCsv, toMarkdown as matrixToMarkdown } from './matrix/exportMatrix';
export { isCancelled } from './errors';
