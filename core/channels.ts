/** The Redis channel on which workers publish results and the frontend listens (the codelab's name). */
export const CALCULATION_CHANNEL = 'calculation';
