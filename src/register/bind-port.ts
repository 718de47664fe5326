/**
 * Supervisor → register child: the port to bind instead of register.port. A
 * restarted register takes the port its predecessor bound (register.port 0
 * picks one at the first start), so the GATEHOUSE_REGISTERS address every
 * gateway and worker was given stays right.
 */
export const ENV_REGISTER_BIND_PORT = 'GATEHOUSE_REGISTER_BIND_PORT';
